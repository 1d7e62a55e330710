"""What the skill remembers of a user, and where (SQLite, DynamoDB), never stopping the skill when a store fails."""
