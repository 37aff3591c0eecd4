def test_demo():
    pass
