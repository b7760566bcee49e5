"""onewindow.display"""
