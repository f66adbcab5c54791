"""Difficult cases: a mediator asks for guidance (Cần hỗ trợ), the commune's officials take
it and answer; the answer reaches the mediator and stays in the case's history."""
