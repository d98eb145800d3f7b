-- KEYS: the session's record. ARGV[5..]: session id. Rewrites a session of layout 2 in layout 3 (1), or does nothing (0).
return upgrade(ARGV[5]) and 1 or 0
