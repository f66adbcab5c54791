"""/donvi: officials reorganise the units of their subtree (rename, move, merge, dissolve a team)."""
