"""The commerce desk: queue, explain card, flash sales, coupons, lucky bags, notes: plain handlers over state."""
