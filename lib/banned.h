/*
 * banned.h - functions that must not be used in gt (after git's banned.h).
 * Included at the end of gt.h, after the system headers, so every module
 * that includes gt.h gets it; a use is a compile error.
 */
#ifndef GT_BANNED_H
#define GT_BANNED_H

#define GT_BANNED(func) sorry_##func##_is_banned_in_gt

#undef strcpy
#define strcpy(x, y) GT_BANNED(strcpy)
#undef strcat
#define strcat(x, y) GT_BANNED(strcat)
#undef strncpy
#define strncpy(x, y, n) GT_BANNED(strncpy)
#undef sprintf
#define sprintf(...) GT_BANNED(sprintf)
#undef vsprintf
#define vsprintf(...) GT_BANNED(vsprintf)
#undef strtok
#define strtok(x, y) GT_BANNED(strtok)
#undef atoi
#define atoi(x) GT_BANNED(atoi)
#undef atol
#define atol(x) GT_BANNED(atol)
#undef gets
#define gets(x) GT_BANNED(gets)

#endif
