"""Trainings (tập huấn, bồi dưỡng): invitations, reminders, answers, attendance."""
