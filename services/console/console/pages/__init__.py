"""Server-rendered pages of the console, one router per kind of user (plus sign-in and charts)."""
