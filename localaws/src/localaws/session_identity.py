"""What a certificate becomes in the session: principal tags (per the profile's attribute mappings), source identity,
default session name."""

from __future__ import annotations

from cryptography import x509
from cryptography.x509.oid import NameOID

from .errors import access_denied

SUBJECT = "x509Subject"
ISSUER = "x509Issuer"
SAN = "x509SAN"
# What a profile maps when nobody changed its attribute mappings.
DEFAULT_ATTRIBUTE_MAPPINGS = (
    {"certificateField": SUBJECT, "mappingRules": [{"specifier": "*"}]},
    {"certificateField": ISSUER, "mappingRules": [{"specifier": "*"}]},
    {"certificateField": SAN, "mappingRules": [{"specifier": "DNS"}, {"specifier": "URI"}, {"specifier": "Name/*"}]},
)
# STS session tag limits; a certificate attribute beyond them cannot become a tag and the session is refused.
TAG_KEY_MAX = 128
TAG_VALUE_MAX = 256
TAG_PUNCTUATION = frozenset("_.:/=+-@")
SOURCE_IDENTITY_MAX = 64
# Room for the "CN=" prefix inside the 64 characters a source identity may have.
PREFIXED_CN_MAX = SOURCE_IDENTITY_MAX - len("CN=")


def certificate_attributes(certificate: x509.Certificate) -> dict[str, dict[str, str]]:
    """Every attribute the service can map, by certificate field and specifier."""
    return {
        SUBJECT: _name_attributes(certificate.subject),
        ISSUER: _name_attributes(certificate.issuer),
        SAN: _san_attributes(certificate),
    }


def _name_attributes(name: x509.Name) -> dict[str, str]:
    """RDN short name -> value; repeated attributes (two OUs) are joined with '/' like the service does."""
    collected: dict[str, list[str]] = {}
    for attribute in name:
        collected.setdefault(attribute.rfc4514_attribute_name, []).append(str(attribute.value))
    return {key: "/".join(values) for key, values in collected.items()}


def _san_attributes(certificate: x509.Certificate) -> dict[str, str]:
    """Only the first value of each kind becomes an attribute."""
    try:
        names = certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        return {}
    attributes = {}
    dns_names = names.get_values_for_type(x509.DNSName)
    uris = names.get_values_for_type(x509.UniformResourceIdentifier)
    directory_names = names.get_values_for_type(x509.DirectoryName)
    if dns_names:
        attributes["DNS"] = dns_names[0]
    if uris:
        attributes["URI"] = uris[0]
    if directory_names:
        for key, value in _name_attributes(directory_names[0]).items():
            attributes[f"Name/{key}"] = value
    return attributes


def session_tags(certificate: x509.Certificate, attribute_mappings) -> dict[str, str]:
    """The principal tags: only attributes a mapping rule selects; tag keys are `<field>/<specifier>`."""
    attributes = certificate_attributes(certificate)
    tags = {}
    for mapping in DEFAULT_ATTRIBUTE_MAPPINGS if attribute_mappings is None else attribute_mappings:
        field = mapping.get("certificateField")
        available = attributes.get(field, {})
        for rule in mapping.get("mappingRules", []):
            for specifier in _matching_specifiers(rule.get("specifier", ""), available):
                tags[f"{field}/{specifier}"] = available[specifier]
    return tags


def _matching_specifiers(specifier: str, available: dict[str, str]) -> list[str]:
    if specifier == "*":
        return list(available)
    if specifier.endswith("/*"):
        prefix = specifier[:-1]
        return [key for key in available if key.startswith(prefix)]
    return [specifier] if specifier in available else []


def check_tags(tags: dict[str, str], role_arn: str) -> None:
    """STS refuses tags with characters or lengths outside its limits; the service then refuses the whole session."""
    failed: dict[str, list[str]] = {SUBJECT: [], ISSUER: [], SAN: []}
    for key, value in tags.items():
        if len(key) > TAG_KEY_MAX or len(value) > TAG_VALUE_MAX or not all(_allowed_tag_character(c) for c in value):
            field, specifier = key.split("/", 1)
            failed.setdefault(field, []).append(specifier)
    if any(failed.values()):
        listed = "; ".join(
            f"{label}: [ {' '.join(failed[field])} ]"
            for label, field in (("Issuer", ISSUER), ("Subject", SUBJECT), ("SAN", SAN))
        )
        raise access_denied(
            f"Unable to assume role for {role_arn}. Some attributes failed to be mapped into session tags. {listed}",
            f"certificate attributes outside the STS tag character set or length: {listed}",
        )


def _allowed_tag_character(character: str) -> bool:
    # Unicode letters, digits and spaces, plus a few punctuation marks: what STS accepts in a tag value.
    return character.isalpha() or character.isnumeric() or character.isspace() or character in TAG_PUNCTUATION


def hex_serial(certificate: x509.Certificate) -> str:
    serial = certificate.serial_number
    return serial.to_bytes(max(1, (serial.bit_length() + 7) // 8), "big").hex()


def source_identity(certificate: x509.Certificate) -> str:
    """`CN=<cn>` when it fits 64 characters, the bare CN when only that fits, else the certificate's hex serial."""
    common_names = certificate.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    common_name = str(common_names[0].value) if common_names else ""
    if common_name and len(common_name) <= PREFIXED_CN_MAX:
        return f"CN={common_name}"
    if common_name and len(common_name) <= SOURCE_IDENTITY_MAX:
        return common_name
    return f"ID={hex_serial(certificate)}"


def role_session_name(certificate: x509.Certificate, requested: str | None, profile: dict) -> str:
    """The certificate's hex serial, unless the caller asks for a name and the profile lets callers choose one."""
    if requested is None:
        return hex_serial(certificate)
    if not profile.get("acceptRoleSessionName"):
        raise access_denied(
            "Not authorized to set roleSessionName.",
            f"profile {profile.get('profileArn')} does not accept a roleSessionName",
        )
    return requested
