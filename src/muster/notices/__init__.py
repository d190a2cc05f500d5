"""What follows a draw: notices within office capacity, their documents and verification,
delivery, reporting, examination."""
