"""onewindow.drivers"""
