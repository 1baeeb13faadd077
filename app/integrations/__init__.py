"""File adapters for the extracts trust systems post: pure readers of CSV and XLSX layouts."""
