"""onewindow.caller"""
