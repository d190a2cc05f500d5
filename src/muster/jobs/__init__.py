"""Background jobs: notice batches, PDFs and replacements through a queue workers share."""
