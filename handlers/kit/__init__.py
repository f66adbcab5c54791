"""The conversation framework every slice is written in: turns, replies, the engine, flows, payloads."""
