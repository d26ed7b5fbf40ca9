from ysj_protocol import identifiers as ids


def test_resident_id_check_character_and_date():
    base = "11010519491231002"
    good = base + ids.resident_id_check_char(base)
    assert good == "11010519491231002X"
    assert ids.is_valid_resident_id(good)
    assert ids.is_valid_resident_id(good.lower())
    assert not ids.is_valid_resident_id(base + "1")
    assert not ids.is_valid_resident_id("110105194913310021")  # month 13
    assert not ids.is_valid_resident_id("1101051949123100")
    assert not ids.is_valid_resident_id("11010519491231002Y")


def test_uscc_check_character():
    base = "91310115MA1K3Y8B2"
    code = base + ids.uscc_check_char(base)
    assert ids.is_valid_uscc(code)
    wrong = ids.USCC_ALPHABET[(ids.USCC_ALPHABET.index(code[-1]) + 1) % 31]
    assert not ids.is_valid_uscc(base + wrong)
    assert not ids.is_valid_uscc(base + "I")  # letters outside the alphabet
    assert not ids.is_valid_uscc(code[:-1])


def test_known_published_uscc():
    # The unified social credit code printed on a public business licence sample.
    assert ids.is_valid_uscc("91350100M000100Y43")


def test_masks_hide_the_middle():
    assert ids.mask_resident_id("11010519491231002X") == "110105********002X"
    assert ids.mask_phone("13812345678") == "138****5678"
