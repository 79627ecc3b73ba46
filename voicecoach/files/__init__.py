"""Reading the user's files: where they are, how they are read, and the layered settings."""
