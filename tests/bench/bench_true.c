/* SPDX-License-Identifier: MIT
 * See LICENSE file for copyright and license details.
 * The tiny static payload of the start-up benchmarks: exit 0 at once. */

int
main(void)
{
	return 0;
}
