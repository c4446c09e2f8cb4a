"""The XMP packet a PDF's catalog names, and only that one: not a figure's, nor another article's set in as an
advertisement; found also when the catalog sits in a compressed object stream."""

import io
import zlib

from pypdf import PdfReader, PdfWriter
from pypdf.generic import NameObject, StreamObject

from rag.load.pdf import load_pdf
from rag.load.pdfxmp import xmp
from tests.pdfs import paper

TITLE = "Heparin after hip fracture surgery: a randomised trial"


def packet(title: str = TITLE, doi: str = "10.1234/trial.2020.001", creators=("Jane Q. Smith", "Omar Khan"),
           journal: str = "Trials in Surgery") -> bytes:
    people = "".join(f"<rdf:li>{c}</rdf:li>" for c in creators)
    return (f'<?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"?><x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF '
            f'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description rdf:about="" '
            f'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:prism="http://prismstandard.org/namespaces/basic/2.0/">'
            f'<dc:title><rdf:Alt><rdf:li xml:lang="x-default">{title}</rdf:li></rdf:Alt></dc:title>'
            f'<dc:creator><rdf:Seq>{people}</rdf:Seq></dc:creator><prism:doi>{doi}</prism:doi>'
            f'<prism:publicationName>{journal}</prism:publicationName></rdf:Description></rdf:RDF></x:xmpmeta>'
            f'<?xpacket end="w"?>').encode()


def with_xmp(data: bytes, xml: bytes, compressed: bool = False) -> bytes:
    """``data`` with ``xml`` as its catalog's /Metadata stream (written by pypdf)."""
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(data)))
    stream = StreamObject()
    stream.set_data(xml)
    stream[NameObject("/Type")], stream[NameObject("/Subtype")] = NameObject("/Metadata"), NameObject("/XML")
    if compressed:
        stream = stream.flate_encode()
    writer._root_object[NameObject("/Metadata")] = writer._add_object(stream)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_the_catalogs_packet_gives_doi_title_authors_and_journal():
    for compressed in (False, True):
        found = xmp(with_xmp(paper([TITLE]), packet(), compressed))
        assert found == {"doi": "10.1234/trial.2020.001", "title": TITLE, "authors": ["Jane Q. Smith", "Omar Khan"],
                         "journal": "Trials in Surgery"}


def test_packets_the_catalog_does_not_name_are_not_read():
    # A figure's packet and another article's, as bytes in the file (not named by the catalog)
    other = packet("An upper limit for macromolecular crowding effects", "10.1186/other.1")
    data = paper([TITLE]).replace(b"%PDF-1.4\n", b"%PDF-1.4\n%" + other.replace(b"\n", b" ") + b"\n", 1)
    assert xmp(data) == {}
    assert xmp(with_xmp(data, packet()))["doi"] == "10.1234/trial.2020.001"


def test_a_catalog_in_a_compressed_object_stream():
    xml = packet()
    stream = zlib.compress(b"1 0 << /Type /Catalog /Pages 2 0 R /Metadata 9 0 R >>")
    data = (b"%PDF-1.5\n5 0 obj\n<< /Type /ObjStm /N 1 /First 4 /Filter /FlateDecode /Length "
            + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream\nendobj\n"
            + b"9 0 obj\n<< /Type /Metadata /Subtype /XML /Length " + str(len(xml)).encode() + b" >>\nstream\n"
            + xml + b"\nendstream\nendobj\n%%EOF\n")
    assert xmp(data)["title"] == TITLE


def test_the_reader_takes_the_xmp_title_and_authors_where_the_page_prints_them():
    body = [TITLE, "Jane Q. Smith and Omar Khan", "Background: patients who had hip fracture surgery received heparin."]
    [doc] = load_pdf(with_xmp(paper(body), packet()), "paper.pdf")
    assert doc.title == TITLE and doc.metadata["authors"] == ["Smith JQ", "Khan O"]
    assert doc.metadata["journal"] == "Trials in Surgery"
    assert "doi" not in doc.metadata  # the page does not print it: not vouched for
    # A title and authors the page does not print (a template's, a typist's, another paper's) are not taken
    unprinted = [body[0], body[2]]
    for title, creators in (("Proceedings Template - WORD", ("Administrator",)),
                            ("Heparin after knee surgery", ("Jane Q. Smith", "Omar Khan"))):
        [doc] = load_pdf(with_xmp(paper(unprinted), packet(title, creators=creators)), "paper.pdf")
        assert doc.title == "paper.pdf" and "authors" not in doc.metadata
