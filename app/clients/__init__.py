"""Machine clients (trust systems): the admin API and the `qicollab clients` commands."""
