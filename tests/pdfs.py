"""Small PDFs written by hand for the loader tests: lines of Helvetica text at chosen sizes, and an info dictionary."""


def paper(*pages: list, info: dict | None = None) -> bytes:
    """A PDF whose pages hold lines of Helvetica text; a line is a string (10 pt) or (text, size in points).
    ``info`` is the document information dictionary (Title, Author, Subject, CreationDate...)."""
    def string(text: str) -> str:
        return "(" + text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)") + ")"

    objects = ["<< /Type /Catalog /Pages 2 0 R >>", "",
               "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>"]
    kids = []
    for lines in pages:
        shown = " ".join(f"/F1 {size} Tf {size * 1.4:.1f} TL {string(text)} Tj T*"
                         for text, size in ((line, 10) if isinstance(line, str) else line for line in lines))
        content = f"BT 72 740 Td {shown} ET"
        objects.append(f"<< /Length {len(content.encode('cp1252'))} >>\nstream\n{content}\nendstream")
        objects.append(f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents {len(objects)} 0 R "
                       "/Resources << /Font << /F1 3 0 R >> >> >>")
        kids.append(f"{len(objects)} 0 R")
    objects[1] = f"<< /Type /Pages /Kids [{' '.join(kids)}] /Count {len(kids)} >>"
    trailer = ""
    if info:
        objects.append("<< " + " ".join(f"/{k} {string(v)}" for k, v in info.items()) + " >>")
        trailer = f"/Info {len(objects)} 0 R"
    out, offsets = b"%PDF-1.4\n", []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n{body}\nendobj\n".encode("cp1252")
    table = "".join(f"{offset:010d} 00000 n \n" for offset in offsets)
    out += (f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n{table}"
            f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R {trailer} >>\nstartxref\n{len(out)}\n%%EOF\n").encode()
    return out
