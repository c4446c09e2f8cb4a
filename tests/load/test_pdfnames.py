"""People's names from a byline: every way publishers separate and mark them, and nothing that is not a name."""

import pytest

from rag.load.pdfnames import fix_accents, names


def test_names_are_written_surname_then_initials():
    assert names("Josephine Nana Afrakoma Agyeman-Duah1*, Antje Theurer2,3, Charles Munthali3") == [
        "Agyeman-Duah JNA", "Theurer A", "Munthali C"]
    assert names(", Noor Alide4 and Florian Neuhann5") == ["Alide N", "Neuhann F"]
    assert names("Nuala E. Tully, Karen M. Morgan, and Hannah M. McGee") == ["Tully NE", "Morgan KM", "McGee HM"]
    assert names("K. Ravi ACHARYA\u2021, Kelly CHIBALE\u2020 and Edward D. STURROCK\u2217") == [
        "Acharya KR", "Chibale K", "Sturrock ED"]
    assert names("A. E. Firth1,†, I. Kati Loeffler2,† and François-Xavier Pierre") == [
        "Firth AE", "Loeffler IK", "Pierre FX"]


@pytest.mark.parametrize("byline,people", [
    # Only the marks part the names (Wiley, fritzsch2023)
    ("Jonas Fritzsch1 Justus Bogner1 Ana Cristina Franco da Silva1 Carolin Rubner2",
     ["Fritzsch J", "Bogner J", "da Silva ACF", "Rubner C"]),
    ("Paul Ralph1 · Sebastian Baltes2 ·Gianisa Adisaputri1", ["Ralph P", "Baltes S", "Adisaputri G"]),  # Springer
    ("Sean M. Sultaire1 | Robert A. Montgomery2", ["Sultaire SM", "Montgomery RA"]),  # Wiley, 2025
    ("Kelly J. Robinson1 & Sean D. Twiss 2 & Neil Hazon3", ["Robinson KJ", "Twiss SD", "Hazon N"]),
    # Affiliation letters and a preprint's line number (pipins2025), symbols (Elsevier's ⇑, nan2024's **)
    ("Sebastian Pipins a, b, c *, Monika Böhm g, h, Keith A. Crandall k, l 9 , Md Anwar Hossain o",
     ["Pipins S", "Böhm M", "Crandall KA", "Hossain MA"]),
    ("Jiangping Nan a,**, Qi Xiao b , Milad Teimourian c,d,*", ["Nan J", "Xiao Q", "Teimourian M"]),
    ("Hassan Gharibi 1,10, Amir Ata Saei 8,9 & Morteza Mahmoudi 2", ["Gharibi H", "Saei AA", "Mahmoudi M"]),
    # Particles, suffixes, e-mail addresses
    ("Laura Del Coco 2, Jean-Pierre van der BERG‡", ["Del Coco L", "van der Berg JP"]),
    ("Thomas J. McGreevy Jr. 1 | William B. Driggers III", ["McGreevy TJ Jr", "Driggers WB III"]),
    ("Kevin J Loope (kjl75@cornell.edu)", ["Loope KJ"]),
])
def test_bylines_of_many_publishers(byline, people):
    assert names(byline) == people


def test_an_accent_the_text_layer_set_apart_is_joined_to_its_letter():
    assert fix_accents("Birtic´") == "Birtić" and fix_accents("Rejma ́nek") == "Rejmánek"
    assert names("Simona Birtic´ ⇑ , Pierre Dussort") == ["Birtić S", "Dussort P"]


@pytest.mark.parametrize("text", [
    "Department of Surgery, University of Calgary",
    "Datta I, Ball CG, Rudmik L",  # surname first: a reference list's form
    "Open Access Research Article",
    "Smith J, et al.",
    "Nuala E. Tully {et al.}",
    "Andrew E. Webb1, the VESPA consortium",  # one part that is not a name: no names at all
    "Received 9 November 2010",
])
def test_what_is_not_all_names_gives_none(text):
    assert names(text) == []
