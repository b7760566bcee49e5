"""onewindow.dispatch"""
