print("dropscan")
