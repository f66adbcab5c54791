"""/thongke: counts of cases by period, outcome, category and child unit, and their chart."""
