"""regflow: Kazakhstan's state-service regulations as executable BPMN processes."""

__version__ = "0.1.0"
