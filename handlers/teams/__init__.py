"""/tohoagiai: rà soát, kiện toàn tổ hòa giải (Điều 11, 12 Luật Hòa giải ở cơ sở)."""
