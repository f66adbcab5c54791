"""/baocao: the official report as people already file it (XLSX, plus a CSV of the cases)."""
