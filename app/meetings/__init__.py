"""Collaborative meetings: learning sessions, coaching calls, showcases."""
