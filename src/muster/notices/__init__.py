"""What follows a draw: notices within office capacity, delivery, reporting, examination."""
