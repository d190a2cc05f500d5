"""Cases: claims filed, verified automatically or decided by boards within the decree's
deadline (pending claims stop the clock), appeals, and corrections — mistakes found and put
right."""
