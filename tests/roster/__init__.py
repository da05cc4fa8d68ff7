"""学籍名单: roster import, progress per class, exemptions and reminders."""
