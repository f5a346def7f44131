import pytest


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/thu-tuc/%00/", "/thu-tuc/?q=%00", "/?a=1%00"])
def test_a_nul_byte_in_the_address_gets_400_and_a_vietnamese_message(client, path):
    response = client.get(path)
    assert response.status_code == 400
    assert response.content.decode() == "Địa chỉ yêu cầu chứa ký tự không hợp lệ."


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/api/v1/procedures/%00", "/api/v1/procedures?q=%00"])
def test_a_nul_byte_in_an_api_address_gets_the_api_error_shape(client, path):
    response = client.get(path)
    assert response.status_code == 400 and response["Content-Type"] == "application/json"
    assert response.json() == {"code": "input_refused", "message": "Địa chỉ yêu cầu chứa ký tự không hợp lệ."}


@pytest.mark.parametrize(
    ("remote", "forwarded", "proxies", "expected"),
    [
        ("203.0.113.7", "", [], "203.0.113.7"),
        # a header from someone who is not a trusted proxy is ignored
        ("203.0.113.7", "10.1.1.1", [], "203.0.113.7"),
        ("203.0.113.7", "10.1.1.1", ["10.0.0.0/8"], "203.0.113.7"),
        # through the load balancer: the rightmost address that is not a proxy is the caller
        ("10.0.0.2", "198.51.100.4", ["10.0.0.0/8"], "198.51.100.4"),
        ("10.0.0.2", "1.2.3.4, 198.51.100.4", ["10.0.0.0/8"], "198.51.100.4"),
        ("10.0.0.2", "1.2.3.4, 198.51.100.4, 10.0.0.9", ["10.0.0.0/8"], "198.51.100.4"),
        ("10.0.0.2", "[2001:db8::5]:443", ["10.0.0.2"], "2001:db8::5"),
        # a forged hop the caller put in front does not matter; garbage leaves the proxy's address
        ("10.0.0.2", "not-an-ip", ["10.0.0.0/8"], "10.0.0.2"),
        ("10.0.0.2", "", ["10.0.0.0/8"], "10.0.0.2"),
    ],
)
def test_client_ip_reads_the_trusted_proxy_header_only(rf, settings, remote, forwarded, proxies, expected):
    from cqs.core.middleware import client_ip

    settings.CQS_TRUSTED_PROXIES = proxies
    request = rf.get("/", REMOTE_ADDR=remote, HTTP_X_FORWARDED_FOR=forwarded)
    assert client_ip(request) == expected


def test_client_ip_header_name_is_a_setting(rf, settings):
    from cqs.core.middleware import client_ip

    settings.CQS_TRUSTED_PROXIES = ["127.0.0.1"]
    settings.CQS_CLIENT_IP_HEADER = "X-Real-IP"
    request = rf.get("/", REMOTE_ADDR="127.0.0.1", HTTP_X_REAL_IP="198.51.100.8", HTTP_X_FORWARDED_FOR="1.1.1.1")
    assert client_ip(request) == "198.51.100.8"
