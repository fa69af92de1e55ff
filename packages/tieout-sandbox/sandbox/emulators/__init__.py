"""Local emulators of the vendors' published API contracts, served over real HTTP on loopback."""
