/* An error in the user's code: the compiler's own message comes through. */
int main(void)
{
	return undeclared_name;
}
