"""Monitoring in the console: the Home dashboard (`home_view.HomeView`), its tiles and charts.

Nothing is imported here so that loading a module of this package never loads pyqtgraph;
`charts` is imported by `home_view` only when a dashboard first has measurements.
"""
