"""Products: SKUs with the unified item code 商家编码."""
