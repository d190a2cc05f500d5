"""What follows a draw: notices served within office capacity, delivery, reporting, the medical board."""
