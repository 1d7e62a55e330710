"""Request handlers, one small class each; registered in order by skill.conversation.builder."""
