/*
 * The attribute forms of DWARF 2 to 5 (DW_FORM_*, DWARF 5 section 7.5.6,
 * table 7.6), which both DWARF readers decode: dwarf_lines.c in a version 5
 * line table's entry formats, dwarf_units.c in .debug_info's abbreviations.
 * The codes are the specification's; kept in one list so that the two
 * readers cannot disagree on one. Constants only.
 */
#ifndef WST_DWARF_FORMS_H
#define WST_DWARF_FORMS_H

enum wst_dw_form {
    WST_DW_FORM_ADDR = 0x01,
    WST_DW_FORM_BLOCK2 = 0x03,
    WST_DW_FORM_BLOCK4 = 0x04,
    WST_DW_FORM_DATA2 = 0x05,
    WST_DW_FORM_DATA4 = 0x06,
    WST_DW_FORM_DATA8 = 0x07,
    WST_DW_FORM_STRING = 0x08,
    WST_DW_FORM_BLOCK = 0x09,
    WST_DW_FORM_BLOCK1 = 0x0a,
    WST_DW_FORM_DATA1 = 0x0b,
    WST_DW_FORM_FLAG = 0x0c,
    WST_DW_FORM_SDATA = 0x0d,
    WST_DW_FORM_STRP = 0x0e,
    WST_DW_FORM_UDATA = 0x0f,
    WST_DW_FORM_REF_ADDR = 0x10,
    WST_DW_FORM_REF1 = 0x11,
    WST_DW_FORM_REF2 = 0x12,
    WST_DW_FORM_REF4 = 0x13,
    WST_DW_FORM_REF8 = 0x14,
    WST_DW_FORM_REF_UDATA = 0x15,
    WST_DW_FORM_INDIRECT = 0x16,
    WST_DW_FORM_SEC_OFFSET = 0x17,
    WST_DW_FORM_EXPRLOC = 0x18,
    WST_DW_FORM_FLAG_PRESENT = 0x19,
    WST_DW_FORM_STRX = 0x1a,
    WST_DW_FORM_ADDRX = 0x1b,
    WST_DW_FORM_REF_SUP4 = 0x1c,
    WST_DW_FORM_STRP_SUP = 0x1d,
    WST_DW_FORM_DATA16 = 0x1e,
    WST_DW_FORM_LINE_STRP = 0x1f,
    WST_DW_FORM_REF_SIG8 = 0x20,
    WST_DW_FORM_IMPLICIT_CONST = 0x21,
    WST_DW_FORM_LOCLISTX = 0x22,
    WST_DW_FORM_RNGLISTX = 0x23,
    WST_DW_FORM_REF_SUP8 = 0x24,
    WST_DW_FORM_STRX1 = 0x25,
    WST_DW_FORM_STRX4 = 0x28,
    WST_DW_FORM_ADDRX1 = 0x29,
    WST_DW_FORM_ADDRX4 = 0x2c,
};

#endif
