"""Station batch import: read a spreadsheet, check it against the catalogue, post it in chunks,
journal every answer so an interrupted import resumes, and write the refused rows to an errors file."""
