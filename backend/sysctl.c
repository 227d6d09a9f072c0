/* placeholder: implemented in a later commit */
typedef int vn_placeholder_sysctl;
