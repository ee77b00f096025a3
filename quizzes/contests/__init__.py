"""Live knowledge contests (知识竞赛): a host plays a quiz or a bank tag with a hall of
phones. Scoring in scoring.py, models in models.py, writes in services.py, reads in
selectors.py."""
