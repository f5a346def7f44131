import pytest


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/thu-tuc/%00/", "/api/v1/procedures/%00", "/thu-tuc/?q=%00", "/?a=1%00"])
def test_a_nul_byte_in_the_address_gets_400_and_a_vietnamese_message(client, path):
    response = client.get(path)
    assert response.status_code == 400
    assert response.content.decode() == "Địa chỉ yêu cầu chứa ký tự không hợp lệ."
