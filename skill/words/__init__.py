"""The words: content files read and checked, SSML, the phrase matcher, routine pacing, the warning-sign screen."""
