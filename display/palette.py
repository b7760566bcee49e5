"""The TV page's colours: light type on navy, gold for the numbers to go to, green for priority tickets."""

from __future__ import annotations

Color = tuple[int, int, int]

BACKGROUND: Color = (8, 28, 58)
PANEL: Color = (17, 45, 88)
PANEL_DARK: Color = (11, 34, 68)
TEXT: Color = (242, 245, 250)
DIM: Color = (150, 170, 200)
NUMBER: Color = (255, 209, 102)  # gold on navy: contrast about 9.6:1
FLASH: Color = (178, 34, 42)
PAUSED: Color = (255, 145, 77)
CLOSED: Color = (112, 126, 150)
AWAY: Color = (196, 36, 36)
NOTICE_BG: Color = (4, 18, 40)
NOTICE_TEXT: Color = (255, 232, 170)
PRIORITY: Color = (20, 120, 60)  # 绿色通道 green; white type on it about 5:1
