"""Post-show review (复盘), headless: ``results.Review`` reads one session (each result in a module of
its own), ``library`` lists, renames and exports sessions, ``shop_orders`` imports the shop's orders,
``compare`` sets sessions side by side, ``report`` writes the HTML/PNG report."""
