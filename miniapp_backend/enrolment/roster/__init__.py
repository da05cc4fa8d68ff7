"""The school roster (学籍名单): who should enrol, who has, who is exempt, and reminders to the rest."""
