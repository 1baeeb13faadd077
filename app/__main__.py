"""`python -m app ...` runs the same command line as `qicollab`."""

import sys

from app.cli import main

sys.exit(main())
