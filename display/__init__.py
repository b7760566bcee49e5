"""The call display (`onewindow display`): the TV page, the LED boards and the voice, following the hall's events.

`main.py` is the command, `app.py` the process, `state.py` what it believes about the hall, `page.py` and
`screen.py` the TV, `boards.py` the LED boards' texts, `settings.py` the role file, `texts.py` the words.
"""
