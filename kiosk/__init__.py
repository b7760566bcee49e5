"""onewindow.kiosk"""
