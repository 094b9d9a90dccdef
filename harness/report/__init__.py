"""Reports of a run: the terminal table (``table``), ``report.json`` (``json``), JUnit XML (``junit``), flakes."""
