"""Plain words understood before the legal Q&A: requests for what the bot does, greetings, thanks."""
