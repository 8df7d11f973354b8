"""VPS provider APIs (Hostwinds first) behind one small interface."""
