"""Report deadlines of team leaders to their commune: rules, reminders, «Đã nộp», nudges."""
